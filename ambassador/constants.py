"""Values that several packages must agree on, each defined here and nowhere else.

The widths of the columns that store a response's text, the email limit, and the
closed sets a response's fields take. Models, forms, the importer and the JSON API all
import them from here, and the database holds the sets as CHECK constraints; adding a
value to a set therefore needs a migration that widens its constraint.
"""

# An address longer than 254 characters cannot be used in SMTP (RFC 5321's path limit).
MAX_EMAIL = 254
# Names, companies, survey ids and contact references (String(255) columns).
MAX_TEXT = 255
# A response's comment (a Text column, capped so one answer cannot be a novel).
MAX_COMMENT = 10_000
# A BCP 47 language tag, such as fr or tr-TR, with room for its extensions.
MAX_LANGUAGE = 35
# The longest value each free-text field of a response may hold, by field name.
RESPONSE_TEXT_LIMITS = {"comment": MAX_COMMENT, "name": MAX_TEXT, "company": MAX_TEXT,
                        "external_id": MAX_TEXT, "contact_ref": MAX_TEXT,
                        "language": MAX_LANGUAGE}

# The kind of survey an answer came from (`touchpoint` column; absent is NULL).
TOUCHPOINTS = ("relational", "transactional")
# How a response reached us (`source` column).
RESPONSE_SOURCES = ("import", "api", "checkin")
# A customer's ambassador status, from their latest answer (`status` column).
CUSTOMER_STATUSES = ("active", "lapsed", "none")
# The NPS scale.
MIN_SCORE, MAX_SCORE = 0, 10
