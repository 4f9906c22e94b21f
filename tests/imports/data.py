"""Files and helpers shared by the import tests: survey exports as bytes, parser calls."""

import csv
import io
import json

import pytest

from ambassador.imports.parsing import (
    FileInfo,
    ImportFileError,
    ParseOptions,
    Row,
    inspect,
    iter_rows,
)

# ---------------------------------------------------------------- files as bytes

def csv_bytes(rows, delimiter=",", encoding="utf-8") -> bytes:
    """rows written as CSV (quoted as spreadsheets do), encoded."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)

TEMPLATE_HEADER = ["email", "score", "responded_at", "comment", "name", "company",
                   "external_id", "touchpoint", "contact_ref", "language"]

TEMPLATE = csv_bytes([
    TEMPLATE_HEADER,
    ["ana@example.com", "10", "2026-01-05T10:00:00Z", "Très bien, merci", "Ana López", "Acme",
     "", "relational", "", "fr"],
    ["BOB@example.com", "6", "2026-01-06", "Trop cher", "", "", "", "transactional", "CRM-2", ""],
    ["carl@example.com", "8", "2026-02-01 09:30", "", "Carl", "", "R_3", "", "", ""],
])

WITH_ERRORS = csv_bytes([
    ["email", "score", "responded_at"],
    ["ana@example.com", "10", "2026-01-05"],
    ["not-an-email", "9", "2026-01-05"],
    ["bob@example.com", "11", "2026-01-05"],
    ["carl@example.com", "7", "2026-01-05"],
])

TURKISH = csv_bytes([
    ["E-posta", "Puan", "Yorum", "Ad Soyad"],
    ["sukru@example.com", "9,0", "Çok iyi, teşekkürler", "Şükrü Yılmaz"],
    ["ayse@example.com", "10,0", "Harika", "Ayşe Öztürk"],
    ["gul@example.com", "6,0", "Pahalı", "Gül Işık"],
], delimiter=";", encoding="cp1254")

QUALTRICS = csv_bytes([
    ["StartDate", "EndDate", "Status", "Finished", "RecordedDate", "ResponseId",
     "RecipientEmail", "RecipientFirstName", "RecipientLastName", "UserLanguage", "Q1", "Q2"],
    ["Start Date", "End Date", "Response Type", "Finished", "Recorded Date", "Response ID",
     "Recipient Email", "Recipient First Name", "Recipient Last Name", "User Language",
     "How likely are you to recommend us to a friend?", "Why?"],
    ['{"ImportId":"startDate","timeZone":"America/Denver"}',
     '{"ImportId":"endDate","timeZone":"America/Denver"}', '{"ImportId":"status"}',
     '{"ImportId":"finished"}', '{"ImportId":"recordedDate","timeZone":"America/Denver"}',
     '{"ImportId":"_recordId"}', '{"ImportId":"recipientEmail"}',
     '{"ImportId":"recipientFirstName"}', '{"ImportId":"recipientLastName"}',
     '{"ImportId":"userLanguage"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_TEXT"}'],
    ["2026-03-01 10:00:00", "2026-03-01 10:02:00", "IP Address", "1", "2026-03-01 10:02:01",
     "R_1aaa", "dana@example.com", "Dana", "Smith", "EN", "9", "Great support"],
    ["2026-03-02 10:00:00", "2026-03-02 10:02:00", "Survey Preview", "1",
     "2026-03-02 10:02:01", "R_2bbb", "test@example.com", "Test", "User", "EN", "10", ""],
    ["2026-03-03 10:00:00", "2026-03-03 10:02:00", "IP Address", "0", "2026-03-03 10:02:01",
     "R_3ccc", "eve@example.com", "Eve", "Brown", "EN", "3", ""],
    ["2026-03-04 10:00:00", "2026-03-04 10:02:00", "IP Address", "1", "2026-03-04 10:02:01",
     "R_4ddd", "frank@example.com", "Frank", "Green", "EN", "4", 'Slow, and "buggy"'],
])

SURVEYMONKEY = csv_bytes([
    ["Respondent ID", "Collector ID", "Start Date", "End Date", "Email Address",
     "How likely is it that you would recommend us to a friend or colleague?",
     "What is the main reason for your score?"],
    ["", "", "", "", "", "Response", "Open-Ended Response"],
    ["11450001", "4321", "11/24/2026 10:01:02 AM", "11/24/2026 10:03:00 AM",
     "gina@example.com", "10 - Extremely likely", "Fast"],
    ["11450002", "4321", "11/25/2026 11:01:02 AM", "11/25/2026 11:03:00 AM",
     "hugo@example.com", "0", "Slow"],
])

AMBIGUOUS = csv_bytes([
    ["email", "score", "responded_at"],
    ["ivy@example.com", "9", "03/04/2026"],
    ["jon@example.com", "7", "05/06/2026"],
])

TWO_SCORES = csv_bytes([
    ["email", "Q1", "Q2"],
    ["kim@example.com", "9", "3"],
    ["lea@example.com", "2", "10"],
])

NO_EMAIL = csv_bytes([["name", "score"], ["Ana", "9"]])

NO_SCORE = csv_bytes([["email", "comment"], ["ana@example.com", "nice"]])

# ---------------------------------------------------------------- the parser

def make_csv(rows, delimiter=",", encoding="utf-8", bom=b"", newline="\r\n") -> bytes:
    """Rows of cells written as CSV text, encoded, with an optional BOM."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return bom + out.getvalue().encode(encoding)

def parse(data, **options) -> tuple[FileInfo, list[Row]]:
    """Both passes over `data` with the given ParseOptions fields."""
    opts = ParseOptions(**options)
    info = inspect(data, opts)
    return info, list(iter_rows(data, info, opts))

def file_error(data, **options) -> ImportFileError:
    """The ImportFileError that inspect raises for `data`."""
    with pytest.raises(ImportFileError) as caught:
        inspect(data, ParseOptions(**options))
    return caught.value

TEMPLATE_ROWS = [
    ["email", "score", "responded_at", "comment", "name", "company"],
    ["ann@example.com", "9", "2026-11-24", "Great", "Ann", "Acme"],
    ["bob@example.com", "6", "2026-11-25", "", "Bob", ""],
]

# ---------------------------------------------------------------- Qualtrics

Q_NAMES = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
           "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
           "RecipientEmail", "LocationLatitude", "UserLanguage", "Q1", "Q1_NPS_GROUP", "Q2"]

Q_TEXT = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
          "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
          "Recipient Last Name", "Recipient First Name", "Recipient Email", "Location Latitude",
          "User Language", "How likely are you to recommend us to a friend?",
          "How likely are you to recommend us to a friend? - Group", "Why?"]

def _import_ids(zone="America/Denver"):
    ids = []
    for name in Q_NAMES:
        meta = {"ImportId": name[0].lower() + name[1:]}
        if name in ("StartDate", "EndDate", "RecordedDate"):
            meta["timeZone"] = zone
        ids.append(json.dumps(meta, separators=(",", ":")))
    return ids

def q_row(status="IP Address", finished="True", email="ann@x.io", score="9", group="3",
          recorded="2026-11-24 10:05:01", lang="EN", why="Great"):
    return ["2026-11-24 10:00:00", recorded, status, "1.2.3.4", "100", "300", finished,
            recorded, "R_" + email[:3], "Lee", "Ann", email, "", lang, score, group, why]

def qualtrics(*rows, zone="America/Denver"):
    return make_csv([Q_NAMES, Q_TEXT, _import_ids(zone), *rows])
