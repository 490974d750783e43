# GOV.UK style: "8 December 2023". Times go through the govuk_datetime filter ("2:15pm"),
# because Django's format strings can only write "p.m.".
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y \\a\\t g:ia"
SHORT_DATETIME_FORMAT = "j M Y g:ia"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]
FIRST_DAY_OF_WEEK = 1
