"""Value distributions of the real CORDIS samples, measured once and kept here as constants for the
benchmark generator (``benchmarks/generate.py``).

Measured on ``recorded/sources/cordis/`` (the byte-exact real files):

* J = ``h2020_json_export/project.json`` (26 projects) and ``organization.json`` (1076 rows), loaded with
  ``json.load(..., parse_float=str, parse_int=str)``; raw number tokens were counted with the regex
  ``"(ecContribution|netEcContribution|totalCost|ecMaxContribution)": ([0-9.E]+)`` on the file text.
* X = ``horizon_project_xml/*.xml`` (5 projects, 74 ``<organization>`` elements), parsed with lxml;
  element sizes with ``len(etree.tostring(element))``.

Both samples are *selections* (J: a search for semiconductor projects with a German partner; X: HORIZON
projects chosen because they have Belgian partners), so consortium sizes and the Belgian share are biased.
Where a figure is not measured but chosen (calibrated to the issue's 60k projects / 400k participations,
or a documented assumption), the comment says CHOSEN.
"""

from __future__ import annotations

# --- scale and split --------------------------------------------------------------------------------

# CHOSEN (issue 8): H2020 : HORIZON projects = 35 : 19; H2020 is read from the JSON dump, HORIZON from XML.
PROGRAMME_SPLIT = {"H2020": 35, "HORIZON": 19}

# CHOSEN, calibrated so that 60,000 projects give ~400,000 participations (mean 6.7 per project, issue 8).
# Shape: a share of mono-beneficiary grants (ERC, MSCA fellowships, SME instrument), the rest consortia
# with a log-normal size. The samples only hold consortia: J sizes 9..188 (median 27), X sizes 8..34.
MONO_SHARE = 0.40
CONSORTIUM_MEDIAN = 8.0
CONSORTIUM_SIGMA = 0.75
CONSORTIUM_MIN, CONSORTIUM_MAX = 2, 188  # 188 = largest real consortium in J (Graphene Core 2)

# Distinct organisations: CHOSEN, one organisation per ~6 participations, popularity skewed (a few
# universities and institutes appear in thousands of projects, most organisations once or twice).
PARTICIPATIONS_PER_ORGANISATION = 6
POPULARITY_SKEW = 2.5  # index = n * u**skew

# --- participants -----------------------------------------------------------------------------------

# J + X: participation rows per country (first code of "FI;FI"-style values). BE = 52 / 1150 = 4.5 %.
COUNTRY_COUNTS = {
    "DE": 233, "ES": 135, "IT": 117, "FR": 109, "AT": 83, "NL": 80, "FI": 52, "BE": 52, "UK": 49, "SE": 38,
    "NO": 25, "CZ": 21, "CH": 20, "EL": 19, "IE": 14, "PT": 13, "TR": 11, "RO": 10, "PL": 10, "LU": 9,
    "LT": 7, "HU": 7, "IL": 7, "DK": 6, "SK": 5, "LV": 4, "TW": 2, "BG": 2, "KR": 2, "AU": 2, "EE": 1,
    "HR": 1, "CY": 1, "BR": 1, "CN": 1, "RU": 1,
}  # fmt: skip

# Belgian rows by region. J (postcode, nutsCode is empty): 28 Flanders, 14 Brussels, 3 Wallonia of 45;
# X (NUTS): 6 Flanders (BE2xx), 1 Brussels (BE100). Together 34 / 15 / 3.
BELGIAN_REGION_COUNTS = {"flanders": 34, "brussels": 15, "wallonia": 3}

# J + X: activityType (J's "PRC;PRC" counted as PRC).
ACTIVITY_COUNTS = {"PRC": 627, "HES": 278, "REC": 211, "OTH": 24, "PUB": 10}

# Roles besides the one coordinator. J: participant 999, thirdParty 46, coordinator 26, partner 5.
# X: participant 60, associatedPartner 6, thirdParty 3, coordinator 5.
ROLE_COUNTS = {
    "H2020": {"participant": 999, "thirdParty": 46, "partner": 5},
    "HORIZON": {"participant": 60, "associatedPartner": 6, "thirdParty": 3},
}

# J: SME is "" in 382 rows, false 537, true 157; netEcContribution and totalCost are "" in the same 382
# rows (whole projects: older records carry no participant cost split). -> share of H2020 projects whose
# rows leave SME/netEcContribution/totalCost empty, and P(SME true | filled) = 157 / 694.
# X: sme="true" 14 / 74.
H2020_LEGACY_PROJECT_SHARE = 382 / 1076
SME_TRUE_SHARE = {"H2020": 157 / 694, "HORIZON": 14 / 74}
END_OF_PARTICIPATION_TRUE_SHARE = {"H2020": 43 / 1076, "HORIZON": 0 / 74}  # X: terminated="false" 74/74
VAT_EMPTY_SHARE = {"H2020": 50 / 1076, "HORIZON": 4 / 74}  # X: <vatNumber> absent
SHORT_NAME_EMPTY_SHARE = {"H2020": 30 / 1076, "HORIZON": 18 / 74}  # X: <shortName> absent
EC_CONTRIBUTION_EMPTY_SHARE = 5 / 1076  # J; in X only associatedPartner lacks ecContribution
ORGANIZATION_URL_EMPTY_SHARE = 370 / 1076  # J
GEOLOCATION_EMPTY_SHARE = 7 / 1076  # J
NAME_UPPER_SHARE = 0.975  # J: name.isupper() in 97.5 % of rows
CITY_UPPER_SHARE = 0.958  # J: city.isupper()
POSTCODE_NON_NUMERIC_SHARE = 0.192  # J: postCode not all digits (country formats such as "2595 DA")

# --- money ------------------------------------------------------------------------------------------

# J + X: ecContribution per participation, 5 %-quantiles (euros, 1139 values), interpolated.
EC_CONTRIBUTION_QUANTILES = [
    0, 0, 0, 35343, 70050, 92312, 110977, 130000, 155234, 184625, 209158, 235505, 260781, 299250, 328940,
    384385, 449000, 531876, 688190, 962580, 6412345,
]  # fmt: skip
# J: 457 of 1071 ecContribution values have cents; X: 11 of 74.
CENTS_SHARE = {"H2020": 457 / 1071, "HORIZON": 11 / 74}
# J + X: ecContribution / participant totalCost, deciles (679 rows with both > 0); 1.0 = fully funded.
EC_TO_TOTAL_COST_DECILES = [0.15, 0.2, 0.25, 0.25, 0.3, 0.35, 0.35, 0.4, 1.0, 1.0, 1.0]
# J: netEcContribution == ecContribution in 624 of 694 rows; X: 62 of 74.
NET_EQUALS_EC_SHARE = {"H2020": 624 / 694, "HORIZON": 62 / 74}
# J: sum(ecContribution) == ecMaxContribution for all 26 projects (checked to the cent).
# J number tokens: integral -> JSON int (1356 < 1e7, 9 >= 1e7, e.g. 88000000); non-integral < 1e7 ->
# plain decimal (1123, e.g. 8201423.75); non-integral >= 1e7 -> Java E-notation (23, e.g. 1.732084396E7).
# X: money is element/attribute text, plain decimal ("2073781.25", "494062.5", "4637300").
JAVA_E_NOTATION_FROM = 10_000_000

# --- project text and dates -------------------------------------------------------------------------

TITLE_LENGTHS = [
    75, 32, 76, 127, 26, 68, 199, 43, 68, 89, 43, 64, 47, 67, 33, 105, 50, 69, 52, 116, 59, 34, 25, 162, 85,
    34, 51, 122, 61, 93, 128,
]  # J (26) + X (5)  # fmt: skip
ACRONYM_LENGTHS = [5, 13, 6, 13, 6, 5, 9, 4, 15, 11, 5, 8, 9, 9, 5, 9, 9, 7, 8, 7, 10, 5, 5, 14, 9, 7]  # J
ACRONYM_UPPER_SHARE = 17 / 26  # J: acronym.isupper()
OBJECTIVE_LENGTHS = [
    1991, 971, 844, 1995, 1951, 2006, 1955, 1270, 2000, 1727, 1977, 1944, 1705, 1996, 1974, 1876, 1955, 1934,
    1998, 1952, 1827, 1954, 1812, 1986, 1923, 2000, 1991, 1862, 1794, 1989, 1915,
]  # J (26) + X (5)  # fmt: skip
# embedded "\n" per objective: J (21 of 26 have at least one) + X
OBJECTIVE_NEWLINES = [3, 2, 0, 9, 9, 0, 0, 1, 10, 5, 0, 3, 5, 2, 10, 17, 6, 2, 14, 15, 0, 2, 2, 4, 9, 7, 0, 2, 10,
                      14, 2]  # fmt: skip
OBJECTIVE_TAB_SHARE = 2 / 26  # J: objectives with "\t" (5 and 12 tabs)
OBJECTIVE_CSV_QUOTED_SHARE = 2 / 26  # J: ITEAM, AUTOPILOT start with '"' and carry doubled '""'
KEYWORDS_LENGTHS = [178, 147, 194, 72, 101]  # X <keywords>
RESULTS_PER_PROJECT = [19, 18, 5, 0, 0]  # X <result> elements (≈2.2 KB each)
DURATION_MONTHS = [
    24, 30, 36, 36, 36, 36, 36, 37, 38, 41, 41, 41, 42, 42, 42, 42, 42, 42, 42, 42, 46, 48, 48, 50, 54, 54, 36,
    40, 36, 36, 48,
]  # J (end - start) + X <duration>  # fmt: skip
EC_SIGNATURE_EMPTY_SHARE = 11 / 26  # J
MASTER_CALL_EMPTY_SHARE = 11 / 26  # J
LEGAL_BASIS_EMPTY_SHARE = 10 / 26  # J
# J (H2020 rows): SIGNED 16, CLOSED 9 -> a project that ended before the snapshot is CLOSED with this share.
H2020_CLOSED_SHARE_OF_ENDED = 9 / 18
START_YEARS = {"H2020": (2014, 2021), "HORIZON": (2021, 2025)}  # programme periods (CHOSEN from J, X)

# CHOSEN: share of projects whose text or topic carries an Industry 4.0 term of the taxonomy.
INDUSTRY40_SHARE = 0.08
# The English text terms of transforms/taxonomy/industry40_terms.csv as first committed (bddea7c); copied
# so that the generated bytes do not change when the taxonomy grows.
INDUSTRY40_PHRASES = (
    "digital twin", "predictive maintenance", "condition monitoring", "industry 4.0", "factory 4.0",
    "smart manufacturing", "smart factory", "manufacturing as a service", "collaborative robot", "cobot",
    "augmented reality", "operator support", "data space", "industrial data", "additive manufacturing",
    "3d printing", "industrial cybersecurity", "servitisation", "servitization",
)  # fmt: skip

# Real funding schemes. J: RIA 10, ECSEL-RIA 6, ECSEL-IA 5, IA 2, SGA-RIA 1, MSCA-ITN-ETN 1 (consortia);
# X: HORIZON-RIA 4, HORIZON-IA 1. Mono-beneficiary schemes are real CORDIS codes (CHOSEN weights).
FUNDING_SCHEMES = {
    "H2020": {
        "consortium": {"RIA": 10, "ECSEL-RIA": 6, "ECSEL-IA": 5, "IA": 2, "SGA-RIA": 1, "MSCA-ITN-ETN": 1,
                       "CSA": 2},
        "mono": {"ERC-STG": 3, "ERC-COG": 2, "ERC-ADG": 1, "MSCA-IF-EF-ST": 4, "SME-1": 3, "SME-2": 2},
    },
    "HORIZON": {
        "consortium": {"HORIZON-RIA": 4, "HORIZON-IA": 1, "HORIZON-CSA": 1},
        "mono": {"HORIZON-ERC": 3, "HORIZON-TMA-MSCA-PF-EF": 4, "HORIZON-EIC-ACC": 1},
    },
}  # fmt: skip

# --- XML element sizes (X), for the generated files' realism --------------------------------------------
# <organization> ≈ 2.5-2.8 KB each (with the NUTS parents chain); <programme> 4.9-6.3 KB in total per
# project; project <categories> 4.3-5.8 KB; <result> ≈ 2.2 KB; one <article> ≈ 1.3-1.7 KB.
