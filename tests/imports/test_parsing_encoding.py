"""The NPS file parser: text encodings (BOM, UTF-8, UTF-16, Windows code pages)."""

import codecs

import pytest

from ambassador.imports.parsing import ParseOptions, inspect
from tests.imports.data import TEMPLATE_ROWS, file_error, make_csv, parse

TURKISH = [
    ["email", "score", "name", "company", "comment"],
    ["sukru@example.com.tr", "10", "Şükrü Yılmaz", "Ağaoğlu", "Çok memnunum, teşekkürler"],
    ["ipek@example.com.tr", "9", "İpek Güneş", "Ağaoğlu İnşaat", "Harika, çok hızlı"],
    ["ozan@example.com.tr", "7", "Ozan Öztürk", "Şirket A.Ş.", "İyi ama geliştirilebilir"],
    ["harf@example.com.tr", "8", "Gülşen Çağrı", "Doğan Holding", "Ğ ğ Ş ş İ ı Ç ç Ö ö Ü ü"],
]
FRENCH = [
    ["email", "score", "name", "company", "comment"],
    ["helene@example.fr", "9", "Hélène Dupré", "Société Générale", "Très satisfait, à bientôt"],
    ["marc@example.fr", "8", "Marc Lefèvre", "Œuvre & Cie", "Un chef-d'œuvre pour 10 €"],
    ["lea@example.fr", "10", "Léa Noël", "Maïs & Blé", "é è ê ë à â ç ô û ù î ï œ Œ € « »"],
]


def _texts(rows):
    return [[r.values[f] for f in ("name", "company", "comment")] for r in rows]


def test_utf8_with_and_without_bom():
    info, rows = parse(make_csv(FRENCH, ";"))
    assert (info.encoding, info.encoding_source) == ("utf-8", "utf-8")
    info_bom, rows_bom = parse(make_csv(FRENCH, ";", bom=codecs.BOM_UTF8))
    assert (info_bom.encoding, info_bom.encoding_source) == ("utf-8-sig", "bom")
    assert info_bom.columns[0] == "email"
    assert _texts(rows) == _texts(rows_bom) == [r[2:] for r in FRENCH[1:]]


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE),
                                       ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_bom(codec, bom):
    info, rows = parse(make_csv(TURKISH, "\t", encoding=codec, bom=bom))
    assert (info.encoding, info.encoding_source, info.delimiter) == ("utf-16", "bom", "\t")
    assert info.columns[0] == "email"
    assert _texts(rows) == [r[2:] for r in TURKISH[1:]]


def test_turkish_cp1254_is_detected_letter_by_letter():
    info, rows = parse(make_csv(TURKISH, ";", encoding="cp1254"))
    assert info.encoding_source == "detected"
    assert info.encoding in ("cp1254", "iso8859-9", "iso8859_9")
    assert _texts(rows) == [r[2:] for r in TURKISH[1:]]
    decoded = _texts(rows)[-1][2].split()
    assert decoded == list("ĞğŞşİıÇçÖöÜü")


def test_french_cp1252_is_detected_letter_by_letter():
    info, rows = parse(make_csv(FRENCH, ";", encoding="cp1252"))
    assert (info.encoding, info.encoding_source) == ("cp1252", "detected")
    assert _texts(rows) == [r[2:] for r in FRENCH[1:]]
    assert _texts(rows)[-1][2].split() == list("éèêëàâçôûùîïœŒ€«»")


def test_single_french_line_is_still_cp1252():
    data = "email;score;name\r\na@b.fr;9;Hélène Dupré\r\n".encode("cp1252")
    assert inspect(data).encoding == "cp1252"


@pytest.mark.parametrize("name,codec", [
    ("Ayşe", "cp1254"), ("Zoé", "cp1252"), ("Ağacığı Güçlü", "cp1254"),
    ("Noël « œuvre » 10 €", "cp1252"),
])
def test_tiny_legacy_files_choose_the_windows_code_page(name, codec):
    data = make_csv([["email", "score", "name"], ["a@x.io", "9", name]], ";", encoding=codec)
    info, rows = parse(data)
    assert info.encoding == codec and rows[0].values["name"] == name


def test_cyrillic_legacy_file_trusts_the_detector():
    names = ["Иван Петров", "Ольга Смирнова", "Сергей Кузнецов", "Наталья Попова"]
    rows = [["email", "score", "comment"]] + [
        [f"u{i}@x.ru", "9", f"{n}: очень доволен сервисом, спасибо большое"]
        for i, n in enumerate(names)]
    info, parsed = parse(make_csv(rows, ";", encoding="cp1251"))
    assert info.encoding == "cp1251"
    assert parsed[0].values["comment"].startswith("Иван Петров")


def test_utf16_without_bom_is_recognised():
    info, rows = parse(make_csv(TEMPLATE_ROWS, "\t", encoding="utf-16-le"))
    assert (info.encoding, info.encoding_source) == ("utf-16-le", "detected")
    assert rows[0].values["email"] == "ann@example.com"


def test_non_utf8_after_the_sample_is_redetected(tmp_path, monkeypatch):
    import ambassador.imports.parsing.reader as reader

    monkeypatch.setattr(reader, "SAMPLE_BYTES", 64)
    rows = [["email", "score", "name"]] + [[f"u{i}@x.io", "9", "Bob"] for i in range(10)]
    rows.append(["z@x.io", "8", "Zoé Çelik"])
    path = tmp_path / "late.csv"
    path.write_bytes(make_csv(rows, encoding="cp1252"))
    info, parsed = parse(path)
    assert (info.encoding, info.encoding_source) == ("cp1252", "detected")
    assert parsed[-1].values["name"] == "Zoé Çelik"


def test_encoding_option_overrides_detection():
    data = make_csv(TURKISH, ";", encoding="cp1254")
    info, rows = parse(data, encoding="iso8859_9")
    assert info.encoding_source == "given"
    assert _texts(rows) == [r[2:] for r in TURKISH[1:]]


def test_given_utf8_strips_a_bom():
    info = inspect(make_csv(TEMPLATE_ROWS, bom=codecs.BOM_UTF8), ParseOptions(encoding="utf-8"))
    assert info.columns[0] == "email" and info.encoding == "utf-8"


@pytest.mark.parametrize("name", ["klingon", "base64", ""])
def test_bad_encoding_name_is_a_file_error(name):
    if not name:
        info = inspect(make_csv(TEMPLATE_ROWS), ParseOptions(encoding=name))  # empty: ignored
        assert info.encoding_source == "utf-8"
        return
    assert "Unknown encoding" in str(file_error(make_csv(TEMPLATE_ROWS), encoding=name))


def test_given_encoding_that_cannot_decode_is_a_file_error():
    data = make_csv(FRENCH, encoding="cp1252")
    assert "could not be read as utf-8" in str(file_error(data, encoding="utf-8"))
