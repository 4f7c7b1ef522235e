"""Geographic reference data used to validate shipping addresses before fulfillment.

This module holds static snapshots of:

* ISO 3166-1 alpha-2 country codes with common English short names (plus the user-assigned
  ``XK`` for Kosovo, which carriers and storefronts use);
* which countries do not use, or do not require, a postal code for delivery;
* postal-code formats for the main shipping markets, written from each country's national
  postal format (USPS, Canada Post, Royal Mail, Deutsche Post, Eircode, Japan Post, ...);
* ISO 3166-2 subdivision codes for countries whose labels need a state or province;
* the EU member states, for customs-union decisions.

Everything here is a hand-maintained snapshot, not a live feed: codes, formats and
memberships change (ISO newsletters, postal reforms, EU accession), so review this file when
the standards publish changes. Nothing here performs I/O; lookup tables are built once at
import time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "COUNTRY_CODES",
    "COUNTRY_NAMES",
    "EU_MEMBER_STATES",
    "POSTAL_CODE_EXAMPLES",
    "POSTAL_CODE_OPTIONAL",
    "POSTAL_CODE_PATTERNS",
    "SUBDIVISIONS",
    "SUBDIVISION_REQUIRED",
    "match_subdivision",
    "normalize_postal_code",
    "postal_code_is_valid",
]

# ---------------------------------------------------------------------------------------------
# Countries (ISO 3166-1 alpha-2)
# ---------------------------------------------------------------------------------------------

COUNTRY_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "AD": "Andorra",
        "AE": "United Arab Emirates",
        "AF": "Afghanistan",
        "AG": "Antigua and Barbuda",
        "AI": "Anguilla",
        "AL": "Albania",
        "AM": "Armenia",
        "AO": "Angola",
        "AQ": "Antarctica",
        "AR": "Argentina",
        "AS": "American Samoa",
        "AT": "Austria",
        "AU": "Australia",
        "AW": "Aruba",
        "AX": "Åland Islands",
        "AZ": "Azerbaijan",
        "BA": "Bosnia and Herzegovina",
        "BB": "Barbados",
        "BD": "Bangladesh",
        "BE": "Belgium",
        "BF": "Burkina Faso",
        "BG": "Bulgaria",
        "BH": "Bahrain",
        "BI": "Burundi",
        "BJ": "Benin",
        "BL": "Saint Barthélemy",
        "BM": "Bermuda",
        "BN": "Brunei",
        "BO": "Bolivia",
        "BQ": "Caribbean Netherlands",
        "BR": "Brazil",
        "BS": "Bahamas",
        "BT": "Bhutan",
        "BV": "Bouvet Island",
        "BW": "Botswana",
        "BY": "Belarus",
        "BZ": "Belize",
        "CA": "Canada",
        "CC": "Cocos (Keeling) Islands",
        "CD": "DR Congo",
        "CF": "Central African Republic",
        "CG": "Republic of the Congo",
        "CH": "Switzerland",
        "CI": "Côte d'Ivoire",
        "CK": "Cook Islands",
        "CL": "Chile",
        "CM": "Cameroon",
        "CN": "China",
        "CO": "Colombia",
        "CR": "Costa Rica",
        "CU": "Cuba",
        "CV": "Cape Verde",
        "CW": "Curaçao",
        "CX": "Christmas Island",
        "CY": "Cyprus",
        "CZ": "Czechia",
        "DE": "Germany",
        "DJ": "Djibouti",
        "DK": "Denmark",
        "DM": "Dominica",
        "DO": "Dominican Republic",
        "DZ": "Algeria",
        "EC": "Ecuador",
        "EE": "Estonia",
        "EG": "Egypt",
        "EH": "Western Sahara",
        "ER": "Eritrea",
        "ES": "Spain",
        "ET": "Ethiopia",
        "FI": "Finland",
        "FJ": "Fiji",
        "FK": "Falkland Islands",
        "FM": "Micronesia",
        "FO": "Faroe Islands",
        "FR": "France",
        "GA": "Gabon",
        "GB": "United Kingdom",
        "GD": "Grenada",
        "GE": "Georgia",
        "GF": "French Guiana",
        "GG": "Guernsey",
        "GH": "Ghana",
        "GI": "Gibraltar",
        "GL": "Greenland",
        "GM": "Gambia",
        "GN": "Guinea",
        "GP": "Guadeloupe",
        "GQ": "Equatorial Guinea",
        "GR": "Greece",
        "GS": "South Georgia and the South Sandwich Islands",
        "GT": "Guatemala",
        "GU": "Guam",
        "GW": "Guinea-Bissau",
        "GY": "Guyana",
        "HK": "Hong Kong",
        "HM": "Heard Island and McDonald Islands",
        "HN": "Honduras",
        "HR": "Croatia",
        "HT": "Haiti",
        "HU": "Hungary",
        "ID": "Indonesia",
        "IE": "Ireland",
        "IL": "Israel",
        "IM": "Isle of Man",
        "IN": "India",
        "IO": "British Indian Ocean Territory",
        "IQ": "Iraq",
        "IR": "Iran",
        "IS": "Iceland",
        "IT": "Italy",
        "JE": "Jersey",
        "JM": "Jamaica",
        "JO": "Jordan",
        "JP": "Japan",
        "KE": "Kenya",
        "KG": "Kyrgyzstan",
        "KH": "Cambodia",
        "KI": "Kiribati",
        "KM": "Comoros",
        "KN": "Saint Kitts and Nevis",
        "KP": "North Korea",
        "KR": "South Korea",
        "KW": "Kuwait",
        "KY": "Cayman Islands",
        "KZ": "Kazakhstan",
        "LA": "Laos",
        "LB": "Lebanon",
        "LC": "Saint Lucia",
        "LI": "Liechtenstein",
        "LK": "Sri Lanka",
        "LR": "Liberia",
        "LS": "Lesotho",
        "LT": "Lithuania",
        "LU": "Luxembourg",
        "LV": "Latvia",
        "LY": "Libya",
        "MA": "Morocco",
        "MC": "Monaco",
        "MD": "Moldova",
        "ME": "Montenegro",
        "MF": "Saint Martin",
        "MG": "Madagascar",
        "MH": "Marshall Islands",
        "MK": "North Macedonia",
        "ML": "Mali",
        "MM": "Myanmar",
        "MN": "Mongolia",
        "MO": "Macao",
        "MP": "Northern Mariana Islands",
        "MQ": "Martinique",
        "MR": "Mauritania",
        "MS": "Montserrat",
        "MT": "Malta",
        "MU": "Mauritius",
        "MV": "Maldives",
        "MW": "Malawi",
        "MX": "Mexico",
        "MY": "Malaysia",
        "MZ": "Mozambique",
        "NA": "Namibia",
        "NC": "New Caledonia",
        "NE": "Niger",
        "NF": "Norfolk Island",
        "NG": "Nigeria",
        "NI": "Nicaragua",
        "NL": "Netherlands",
        "NO": "Norway",
        "NP": "Nepal",
        "NR": "Nauru",
        "NU": "Niue",
        "NZ": "New Zealand",
        "OM": "Oman",
        "PA": "Panama",
        "PE": "Peru",
        "PF": "French Polynesia",
        "PG": "Papua New Guinea",
        "PH": "Philippines",
        "PK": "Pakistan",
        "PL": "Poland",
        "PM": "Saint Pierre and Miquelon",
        "PN": "Pitcairn Islands",
        "PR": "Puerto Rico",
        "PS": "Palestine",
        "PT": "Portugal",
        "PW": "Palau",
        "PY": "Paraguay",
        "QA": "Qatar",
        "RE": "Réunion",
        "RO": "Romania",
        "RS": "Serbia",
        "RU": "Russia",
        "RW": "Rwanda",
        "SA": "Saudi Arabia",
        "SB": "Solomon Islands",
        "SC": "Seychelles",
        "SD": "Sudan",
        "SE": "Sweden",
        "SG": "Singapore",
        "SH": "Saint Helena, Ascension and Tristan da Cunha",
        "SI": "Slovenia",
        "SJ": "Svalbard and Jan Mayen",
        "SK": "Slovakia",
        "SL": "Sierra Leone",
        "SM": "San Marino",
        "SN": "Senegal",
        "SO": "Somalia",
        "SR": "Suriname",
        "SS": "South Sudan",
        "ST": "São Tomé and Príncipe",
        "SV": "El Salvador",
        "SX": "Sint Maarten",
        "SY": "Syria",
        "SZ": "Eswatini",
        "TC": "Turks and Caicos Islands",
        "TD": "Chad",
        "TF": "French Southern Territories",
        "TG": "Togo",
        "TH": "Thailand",
        "TJ": "Tajikistan",
        "TK": "Tokelau",
        "TL": "Timor-Leste",
        "TM": "Turkmenistan",
        "TN": "Tunisia",
        "TO": "Tonga",
        "TR": "Türkiye",
        "TT": "Trinidad and Tobago",
        "TV": "Tuvalu",
        "TW": "Taiwan",
        "TZ": "Tanzania",
        "UA": "Ukraine",
        "UG": "Uganda",
        "UM": "United States Minor Outlying Islands",
        "US": "United States",
        "UY": "Uruguay",
        "UZ": "Uzbekistan",
        "VA": "Vatican City",
        "VC": "Saint Vincent and the Grenadines",
        "VE": "Venezuela",
        "VG": "British Virgin Islands",
        "VI": "U.S. Virgin Islands",
        "VN": "Vietnam",
        "VU": "Vanuatu",
        "WF": "Wallis and Futuna",
        "WS": "Samoa",
        "YE": "Yemen",
        "YT": "Mayotte",
        "ZA": "South Africa",
        "ZM": "Zambia",
        "ZW": "Zimbabwe",
        # User-assigned code, not part of ISO 3166-1, but used by carriers and Shopify.
        "XK": "Kosovo",
    }
)

COUNTRY_CODES: Final[frozenset[str]] = frozenset(COUNTRY_NAMES)

# ---------------------------------------------------------------------------------------------
# Postal codes
# ---------------------------------------------------------------------------------------------

# Countries where a postal code is not used, or is not needed for delivery, so a missing postal
# code must not hold an order. Deliberately conservative: a country wrongly listed here lets
# incomplete addresses through, while a country wrongly left out only produces a hold that
# the merchant can answer. Ireland is listed because Eircodes are optional on labels; when an
# Irish postal code *is* given it is still checked against POSTAL_CODE_PATTERNS["IE"].
POSTAL_CODE_OPTIONAL: Final[frozenset[str]] = frozenset(
    {
        # Middle East / Asia
        "AE",  # United Arab Emirates
        "HK",  # Hong Kong
        "MO",  # Macao
        "QA",  # Qatar
        "YE",  # Yemen
        "SY",  # Syria
        "KP",  # North Korea
        "TL",  # Timor-Leste
        # Europe
        "IE",  # Ireland (Eircode optional on labels)
        # Africa
        "AO",  # Angola
        "BF",  # Burkina Faso
        "BI",  # Burundi
        "BJ",  # Benin
        "BW",  # Botswana
        "CD",  # DR Congo
        "CF",  # Central African Republic
        "CG",  # Republic of the Congo
        "CI",  # Côte d'Ivoire
        "CM",  # Cameroon
        "DJ",  # Djibouti
        "ER",  # Eritrea
        "GA",  # Gabon
        "GH",  # Ghana (GhanaPost GPS codes are not used by carriers)
        "GM",  # Gambia
        "GQ",  # Equatorial Guinea
        "KM",  # Comoros
        "ML",  # Mali
        "MW",  # Malawi
        "RW",  # Rwanda
        "SC",  # Seychelles
        "SL",  # Sierra Leone
        "ST",  # São Tomé and Príncipe
        "TD",  # Chad
        "TG",  # Togo
        "UG",  # Uganda
        "ZW",  # Zimbabwe
        # Caribbean / Americas
        "AG",  # Antigua and Barbuda
        "AW",  # Aruba
        "BO",  # Bolivia
        "BQ",  # Caribbean Netherlands
        "BS",  # Bahamas
        "BZ",  # Belize
        "CW",  # Curaçao
        "DM",  # Dominica
        "GD",  # Grenada
        "GY",  # Guyana
        "KN",  # Saint Kitts and Nevis
        "SR",  # Suriname
        "SX",  # Sint Maarten
        # Pacific
        "CK",  # Cook Islands
        "FJ",  # Fiji
        "KI",  # Kiribati
        "NR",  # Nauru
        "NU",  # Niue
        "SB",  # Solomon Islands
        "TK",  # Tokelau
        "TO",  # Tonga
        "TV",  # Tuvalu
        "VU",  # Vanuatu
    }
)

# Full-match patterns, applied to the output of normalize_postal_code (trimmed, single spaces,
# upper case). Each accepts the canonical national form plus common harmless variants (an
# omitted separator, for example). Countries without an entry accept any postal code.
POSTAL_CODE_PATTERNS: Final[Mapping[str, re.Pattern[str]]] = MappingProxyType(
    {
        # ZIP or ZIP+4, with or without the hyphen.
        "US": re.compile(r"\d{5}(?:[- ]?\d{4})?", re.ASCII),
        # A1A 1A1; letters D, F, I, O, Q, U never appear, W and Z never lead.
        "CA": re.compile(
            r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d", re.ASCII
        ),
        # Outward code (A9, A99, A9A, AA9, AA99, AA9A) + inward code (9AA), or GIR 0AA.
        "GB": re.compile(
            r"GIR ?0AA"
            r"|[A-PR-UWYZ](?:\d[A-HJKPSTUW]?|\d\d|[A-HK-Y]\d[ABEHMNPRV-Y]?|[A-HK-Y]\d\d)"
            r" ?\d[ABD-HJLNP-UW-Z]{2}",
            re.ASCII,
        ),
        "DE": re.compile(r"\d{5}", re.ASCII),
        "FR": re.compile(r"\d{5}", re.ASCII),
        "IT": re.compile(r"\d{5}", re.ASCII),
        # The first two digits are the province number, 01-52.
        "ES": re.compile(r"(?:0[1-9]|[1-4]\d|5[0-2])\d{3}", re.ASCII),
        "NL": re.compile(r"[1-9]\d{3} ?[A-Z]{2}", re.ASCII),
        "BE": re.compile(r"[1-9]\d{3}", re.ASCII),
        "AT": re.compile(r"[1-9]\d{3}", re.ASCII),
        "CH": re.compile(r"[1-9]\d{3}", re.ASCII),
        "SE": re.compile(r"[1-9]\d{2} ?\d{2}", re.ASCII),
        "NO": re.compile(r"\d{4}", re.ASCII),
        "DK": re.compile(r"\d{4}", re.ASCII),
        "FI": re.compile(r"\d{5}", re.ASCII),
        "PL": re.compile(r"\d{2}-?\d{3}", re.ASCII),
        "PT": re.compile(r"[1-9]\d{3}[- ]?\d{3}", re.ASCII),
        # Eircode: routing key (letter + 2 digits, or D6W) + 4-character unique identifier.
        "IE": re.compile(r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}", re.ASCII),
        "CZ": re.compile(r"[1-7]\d{2} ?\d{2}", re.ASCII),
        "SK": re.compile(r"\d{3} ?\d{2}", re.ASCII),
        "AU": re.compile(r"\d{4}", re.ASCII),
        "NZ": re.compile(r"\d{4}", re.ASCII),
        "JP": re.compile(r"\d{3}-?\d{4}", re.ASCII),
        "CN": re.compile(r"\d{6}", re.ASCII),
        "IN": re.compile(r"[1-9]\d{2} ?\d{3}", re.ASCII),
        "BR": re.compile(r"\d{5}-?\d{3}", re.ASCII),
        "MX": re.compile(r"\d{5}", re.ASCII),
        "KR": re.compile(r"\d{5}", re.ASCII),
        "SG": re.compile(r"\d{6}", re.ASCII),
        "ZA": re.compile(r"\d{4}", re.ASCII),
        "IL": re.compile(r"\d{7}", re.ASCII),
        # The first two digits are the province number, 01-81.
        "TR": re.compile(r"(?:0[1-9]|[1-7]\d|8[01])\d{3}", re.ASCII),
        "RU": re.compile(r"\d{6}", re.ASCII),
        "SA": re.compile(r"\d{5}(?:-?\d{4})?", re.ASCII),
        # CPA (A9999AAA; the province letter is never I or O) or the older 4-digit code.
        "AR": re.compile(r"[A-HJ-NP-Z]\d{4}[A-Z]{3}|\d{4}", re.ASCII),
        "HU": re.compile(r"[1-9]\d{3}", re.ASCII),
        "GR": re.compile(r"[1-8]\d{2} ?\d{2}", re.ASCII),
        "RO": re.compile(r"\d{6}", re.ASCII),
        "LU": re.compile(r"(?:L-?)?\d{4}", re.ASCII),
        "SI": re.compile(r"(?:SI-?)?\d{4}", re.ASCII),
        "HR": re.compile(r"(?:HR-?)?\d{5}", re.ASCII),
        "BG": re.compile(r"\d{4}", re.ASCII),
        "EE": re.compile(r"\d{5}", re.ASCII),
        "LT": re.compile(r"(?:LT-?)?\d{5}", re.ASCII),
        "LV": re.compile(r"(?:LV-?)?\d{4}", re.ASCII),
        "UA": re.compile(r"\d{5}", re.ASCII),
        "IS": re.compile(r"\d{3}", re.ASCII),
        "MY": re.compile(r"\d{5}", re.ASCII),
        "TH": re.compile(r"\d{5}", re.ASCII),
        "ID": re.compile(r"\d{5}", re.ASCII),
        "PH": re.compile(r"\d{4}", re.ASCII),
        "VN": re.compile(r"\d{6}", re.ASCII),
        # 3 digits, or the longer 3+2 / 3+3 forms.
        "TW": re.compile(r"\d{3}(?:-?\d{2,3})?", re.ASCII),
        "CL": re.compile(r"\d{3}-?\d{4}", re.ASCII),
        "CO": re.compile(r"\d{6}", re.ASCII),
    }
)

POSTAL_CODE_EXAMPLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "US": "94105",
        "CA": "K1A 0B1",
        "GB": "SW1A 1AA",
        "DE": "10115",
        "FR": "75008",
        "IT": "00184",
        "ES": "28013",
        "NL": "1012 AB",
        "BE": "1000",
        "AT": "1010",
        "CH": "8001",
        "SE": "114 55",
        "NO": "0150",
        "DK": "1050",
        "FI": "00100",
        "PL": "00-950",
        "PT": "1000-001",
        "IE": "D02 X285",
        "CZ": "110 00",
        "SK": "811 01",
        "AU": "2000",
        "NZ": "6011",
        "JP": "100-0001",
        "CN": "100000",
        "IN": "110001",
        "BR": "01310-100",
        "MX": "06600",
        "KR": "03187",
        "SG": "018956",
        "ZA": "8001",
        "IL": "6100000",
        "TR": "34000",
        "RU": "101000",
        "SA": "11564",
        "AR": "C1002AAP",
        "HU": "1051",
        "GR": "105 57",
        "RO": "010011",
        "LU": "L-1111",
        "SI": "1000",
        "HR": "10000",
        "BG": "1000",
        "EE": "10111",
        "LT": "LT-01100",
        "LV": "LV-1050",
        "UA": "01001",
        "IS": "101",
        "MY": "50450",
        "TH": "10200",
        "ID": "10110",
        "PH": "1000",
        "VN": "100000",
        "TW": "100",
        "CL": "8320000",
        "CO": "110111",
    }
)

_WHITESPACE_RUN: Final = re.compile(r"\s+", re.ASCII)


def normalize_postal_code(country_code: str, value: str) -> str:
    """Return ``value`` trimmed, with whitespace runs collapsed to one space, upper-cased.

    ``country_code`` is accepted for future per-country rules; no other rewriting is done
    (separators are never added or removed).
    """
    del country_code  # reserved for per-country normalisation
    # NFKC folds full-width forms (Japanese keyboards type "１００－０００１") to ASCII.
    value = unicodedata.normalize("NFKC", value)
    return _WHITESPACE_RUN.sub(" ", value.strip()).upper()


def postal_code_is_valid(country_code: str, value: str) -> bool:
    """Return True when ``value`` is a plausible postal code for ``country_code``.

    Countries without an entry in POSTAL_CODE_PATTERNS accept any value; whether a postal code
    is required at all is a separate question (see POSTAL_CODE_OPTIONAL).
    """
    pattern = POSTAL_CODE_PATTERNS.get(country_code.strip().upper())
    if pattern is None:
        return True
    return pattern.fullmatch(normalize_postal_code(country_code, value)) is not None


# ---------------------------------------------------------------------------------------------
# Subdivisions (ISO 3166-2)
# ---------------------------------------------------------------------------------------------

# Countries whose carriers or storefront checkouts require a state / province / region on the
# shipping label.
SUBDIVISION_REQUIRED: Final[frozenset[str]] = frozenset(
    {
        "US",  # state
        "CA",  # province / territory
        "AU",  # state / territory
        "BR",  # state (UF)
        "MX",  # state
        "IN",  # state / union territory
        "CN",  # province
        "JP",  # prefecture
        "IT",  # province
        "ES",  # province
        "AR",  # province
        "CL",  # region
        "CO",  # department
        "PE",  # region
        "MY",  # state
        "ID",  # province
        "TH",  # province
        "PH",  # province / region
        "KR",  # province
        "HK",  # region
        "AE",  # emirate
        "EG",  # governorate
        "NG",  # state
        "IE",  # county
    }
)

_US: Final = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    # Territories with USPS state codes.
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
    # Military (APO/FPO/DPO) "states".
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AP": "Armed Forces Pacific",
}

_CA: Final = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}

_AU: Final = {
    "ACT": "Australian Capital Territory",
    "NSW": "New South Wales",
    "NT": "Northern Territory",
    "QLD": "Queensland",
    "SA": "South Australia",
    "TAS": "Tasmania",
    "VIC": "Victoria",
    "WA": "Western Australia",
}

_BR: Final = {
    "AC": "Acre",
    "AL": "Alagoas",
    "AP": "Amapá",
    "AM": "Amazonas",
    "BA": "Bahia",
    "CE": "Ceará",
    "DF": "Distrito Federal",
    "ES": "Espírito Santo",
    "GO": "Goiás",
    "MA": "Maranhão",
    "MT": "Mato Grosso",
    "MS": "Mato Grosso do Sul",
    "MG": "Minas Gerais",
    "PA": "Pará",
    "PB": "Paraíba",
    "PR": "Paraná",
    "PE": "Pernambuco",
    "PI": "Piauí",
    "RJ": "Rio de Janeiro",
    "RN": "Rio Grande do Norte",
    "RS": "Rio Grande do Sul",
    "RO": "Rondônia",
    "RR": "Roraima",
    "SC": "Santa Catarina",
    "SP": "São Paulo",
    "SE": "Sergipe",
    "TO": "Tocantins",
}

# ISO 3166-2:MX three-letter codes.
_MX: Final = {
    "AGU": "Aguascalientes",
    "BCN": "Baja California",
    "BCS": "Baja California Sur",
    "CAM": "Campeche",
    "CHP": "Chiapas",
    "CHH": "Chihuahua",
    "CMX": "Ciudad de México",
    "COA": "Coahuila",
    "COL": "Colima",
    "DUR": "Durango",
    "GUA": "Guanajuato",
    "GRO": "Guerrero",
    "HID": "Hidalgo",
    "JAL": "Jalisco",
    "MEX": "Estado de México",
    "MIC": "Michoacán",
    "MOR": "Morelos",
    "NAY": "Nayarit",
    "NLE": "Nuevo León",
    "OAX": "Oaxaca",
    "PUE": "Puebla",
    "QUE": "Querétaro",
    "ROO": "Quintana Roo",
    "SLP": "San Luis Potosí",
    "SIN": "Sinaloa",
    "SON": "Sonora",
    "TAB": "Tabasco",
    "TAM": "Tamaulipas",
    "TLA": "Tlaxcala",
    "VER": "Veracruz",
    "YUC": "Yucatán",
    "ZAC": "Zacatecas",
}

# 28 states and 8 union territories. Codes follow ISO 3166-2:IN as revised in 2023 (CG, OD,
# UK, DH), except Telangana, which uses TG (the state's own abbreviation since 2024; ISO
# lists TS). The older and alternative codes are accepted as aliases below.
_IN: Final = {
    "AP": "Andhra Pradesh",
    "AR": "Arunachal Pradesh",
    "AS": "Assam",
    "BR": "Bihar",
    "CG": "Chhattisgarh",
    "GA": "Goa",
    "GJ": "Gujarat",
    "HR": "Haryana",
    "HP": "Himachal Pradesh",
    "JH": "Jharkhand",
    "KA": "Karnataka",
    "KL": "Kerala",
    "MP": "Madhya Pradesh",
    "MH": "Maharashtra",
    "MN": "Manipur",
    "ML": "Meghalaya",
    "MZ": "Mizoram",
    "NL": "Nagaland",
    "OD": "Odisha",
    "PB": "Punjab",
    "RJ": "Rajasthan",
    "SK": "Sikkim",
    "TN": "Tamil Nadu",
    "TG": "Telangana",
    "TR": "Tripura",
    "UP": "Uttar Pradesh",
    "UK": "Uttarakhand",
    "WB": "West Bengal",
    # Union territories.
    "AN": "Andaman and Nicobar Islands",
    "CH": "Chandigarh",
    "DH": "Dadra and Nagar Haveli and Daman and Diu",
    "DL": "Delhi",
    "JK": "Jammu and Kashmir",
    "LA": "Ladakh",
    "LD": "Lakshadweep",
    "PY": "Puducherry",
}

# Mapping of country -> subdivision code -> English (or local-language) name. match_subdivision
# also accepts each name case-insensitively and accent-insensitively.
SUBDIVISIONS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "US": MappingProxyType(_US),
        "CA": MappingProxyType(_CA),
        "AU": MappingProxyType(_AU),
        "BR": MappingProxyType(_BR),
        "MX": MappingProxyType(_MX),
        "IN": MappingProxyType(_IN),
    }
)

# Extra codes seen on storefronts and in older data, mapped to the canonical code.
_CODE_ALIASES: Final[Mapping[str, Mapping[str, str]]] = {
    "MX": {
        # Common storefront / postal abbreviations and the pre-2016 ISO code for the capital.
        "AGS": "AGU",
        "BC": "BCN",
        "CAMP": "CAM",
        "CHIS": "CHP",
        "CHIH": "CHH",
        "CDMX": "CMX",
        "DF": "CMX",
        "DIF": "CMX",
        "COAH": "COA",
        "DGO": "DUR",
        "GTO": "GUA",
        "HGO": "HID",
        "EDOMEX": "MEX",
        "MICH": "MIC",
        "NL": "NLE",
        "QRO": "QUE",
        "Q ROO": "ROO",
        "QROO": "ROO",
        "TAMPS": "TAM",
        "TLAX": "TLA",
    },
    "IN": {
        "CT": "CG",
        "OR": "OD",
        "UT": "UK",
        "UL": "UK",
        "TS": "TG",
        "DN": "DH",
        "DD": "DH",
    },
}

# Extra names (official long forms, former names) mapped to the canonical code.
_NAME_ALIASES: Final[Mapping[str, Mapping[str, str]]] = {
    "US": {
        "Washington DC": "DC",
        "Virgin Islands": "VI",
        "United States Virgin Islands": "VI",
    },
    "CA": {
        "Newfoundland": "NL",
        "Yukon Territory": "YT",
    },
    "MX": {
        "Mexico City": "CMX",
        "Distrito Federal": "CMX",
        "México": "MEX",
        "State of Mexico": "MEX",
        "Coahuila de Zaragoza": "COA",
        "Michoacán de Ocampo": "MIC",
        "Veracruz de Ignacio de la Llave": "VER",
    },
    "IN": {
        "Orissa": "OD",
        "Uttaranchal": "UK",
        "Pondicherry": "PY",
        "New Delhi": "DL",
        "NCT of Delhi": "DL",
        "National Capital Territory of Delhi": "DL",
        "Andaman and Nicobar": "AN",
        "Dadra and Nagar Haveli": "DH",
        "Daman and Diu": "DH",
    },
}

_NAME_PUNCTUATION: Final = re.compile("[.,'`\u2019]")
_NAME_SEPARATORS: Final = re.compile(r"[-_/]", re.ASCII)


def _fold_name(text: str) -> str:
    """Fold a subdivision name for comparison: no accents, case or punctuation differences."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().replace("&", " and ")
    folded = _NAME_PUNCTUATION.sub("", folded)
    folded = _NAME_SEPARATORS.sub(" ", folded)
    return _WHITESPACE_RUN.sub(" ", folded).strip()


def _fold_code(text: str) -> str:
    return _WHITESPACE_RUN.sub(" ", text.strip()).upper()


def _add_unique(table: dict[str, str], key: str, code: str, country: str) -> None:
    existing = table.setdefault(key, code)
    if existing != code:  # pragma: no cover - guards the static data above
        msg = f"{country}: {key!r} is ambiguous between {existing} and {code}"
        raise ValueError(msg)


def _build_lookups(
    country: str,
    names: Mapping[str, str],
    code_aliases: Mapping[str, str],
    name_aliases: Mapping[str, str],
) -> tuple[Mapping[str, str], Mapping[str, str]]:
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for code in names:
        _add_unique(by_code, _fold_code(code), code, country)
    for alias, code in code_aliases.items():
        _add_unique(by_code, _fold_code(alias), code, country)
    for code, name in names.items():
        _add_unique(by_name, _fold_name(name), code, country)
    for alias, code in name_aliases.items():
        _add_unique(by_name, _fold_name(alias), code, country)
    return MappingProxyType(by_code), MappingProxyType(by_name)


_LOOKUPS: Final[Mapping[str, tuple[Mapping[str, str], Mapping[str, str]]]] = MappingProxyType(
    {
        country: _build_lookups(
            country,
            names,
            _CODE_ALIASES.get(country, {}),
            _NAME_ALIASES.get(country, {}),
        )
        for country, names in SUBDIVISIONS.items()
    }
)


def match_subdivision(country_code: str, value: str) -> str | None:
    """Resolve a state / province value to its canonical subdivision code.

    For countries in SUBDIVISIONS, ``value`` may be a code (any case, optionally prefixed as in
    ISO 3166-2, e.g. ``US-CA``) or a name (case-, accent- and whitespace-insensitive); the
    canonical code is returned, or None when nothing matches. For other countries the trimmed
    free text is returned, or None when it is empty.
    """
    lookups = _LOOKUPS.get(country_code.strip().upper())
    if lookups is None:
        text = value.strip()
        return text or None
    by_code, by_name = lookups
    code = _fold_code(value)
    if not code:
        return None
    found = by_code.get(code)
    if found is not None:
        return found
    prefix = f"{country_code.strip().upper()}-"
    if code.startswith(prefix):
        found = by_code.get(code[len(prefix) :].strip())
        if found is not None:
            return found
    return by_name.get(_fold_name(value))


# ---------------------------------------------------------------------------------------------
# European Union
# ---------------------------------------------------------------------------------------------

# The 27 EU member states, for customs-union purposes. Special cases are not modelled: Monaco
# is inside the EU customs territory through France; and some member-state territories are
# outside it or outside the VAT area (e.g. the Canary Islands, Ceuta and Melilla, Åland,
# Büsingen, Heligoland, Livigno, Mount Athos, the French overseas departments).
EU_MEMBER_STATES: Final[frozenset[str]] = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
