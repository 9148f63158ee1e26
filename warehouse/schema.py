"""Table definitions of every layer, as SQLAlchemy Core. Alembic migrations create and change them; the
test suite checks that the migrated database matches these definitions exactly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def Money(name: str, comment: str) -> Column:
    """Euro amount, exact to the cent (NUMERIC on PostgreSQL; SQLite stores REAL and SQLAlchemy returns
    Decimal rounded to 2 places, exact up to the 13 digits before the point the parsers accept:
    transforms/values.MAX_MONEY_DIGITS)."""
    return Column(name, Numeric(18, 2, asdecimal=True), nullable=True, comment=comment)


etl_run = Table(
    "etl_run",
    metadata,
    Column("run_id", String(64), primary_key=True, comment="Prefect flow-run id"),
    Column("flow_name", String(100), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column(
        "status", String(20), nullable=False, comment="running | succeeded | failed | blocked | abandoned"
    ),
    Column("rows_read", Integer),
    Column("rows_written", Integer),
    Column("dq_passed", Boolean),
    Column("error", Text),
    Column("sources", String(200)),
    Column("programmes", String(200)),
    Column("accepted_drift_by", String(100), comment="Who published despite a volume drop (--accept-drift)"),
    Column("accepted_drift_at", DateTime(timezone=True), comment="When the drift was accepted"),
    Column("counts", Text, comment="JSON: rows per source entity read by this run (the drift baseline)"),
    Column(
        "locked_at",
        DateTime(timezone=True),
        comment="When the run took the writer lock (none while it waited)",
    ),
    comment="Run ledger: one row per refresh",
)

warehouse_lock = Table(
    "warehouse_lock",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(200), nullable=False, comment="Run id (or command) holding the lock"),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    comment="SQLite writer lock (PostgreSQL uses an advisory lock instead)",
)

dq_result = Table(
    "dq_result",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, index=True),
    Column("suite", String(80), nullable=False, comment="Layer and entity, e.g. stg_cordis__projects"),
    Column("expectation", String(120), nullable=False),
    Column("column_name", String(200), comment="Column(s) the expectation is about"),
    Column("success", Boolean, nullable=False),
    Column("observed", Text, comment="Observed value, e.g. the unexpected values"),
    Column("severity", String(20), nullable=False, comment="critical (blocks publishing) | warning"),
    comment="Every data-quality result of every run",
)

raw_manifest = Table(
    "raw_manifest",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, index=True),
    Column("source", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("http_status", Integer, nullable=False),
    Column("content_type", String(200)),
    Column("etag", String(200)),
    Column("last_modified", String(100)),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    comment="What was fetched into the raw landing zone",
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, index=True),
    Column("source", String(20), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("source_file", Text),
    Column("record_key", Text),
    Column("reason", Text, nullable=False),
    comment="Source records that could not be staged, with the reason",
)

stg_cordis__projects = Table(
    "stg_cordis__projects",
    metadata,
    Column("source", String(20), nullable=False),
    Column("source_id", String(40), nullable=False),
    Column("rcn", String(40)),
    Column("acronym", Text),
    Column("title", Text),
    Column("programme", String(20)),
    Column("funding_scheme", String(100)),
    Column("status", String(20)),
    Column("start_date", Date),
    Column("end_date", Date),
    Money("total_cost_eur", "Total eligible cost"),
    Money("ec_max_contribution_eur", "Maximum EU contribution"),
    Column("topics", Text),
    Column("master_call", String(200)),
    Column("sub_call", String(200)),
    Column("objective", Text),
    Column("content_update_date", String(40)),
    Column("source_file", Text),
    Column("record_hash", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("keywords", Text),
    Column("result_ids", Text, comment="';'-joined ids of the project's results (XML), NULL when not given"),
    PrimaryKeyConstraint("source", "source_id"),
    comment="CORDIS projects, typed and renamed",
)

stg_cordis__participations = Table(
    "stg_cordis__participations",
    metadata,
    Column("source", String(20), nullable=False),
    Column("project_source_id", String(40), nullable=False),
    Column("organisation_id", String(40), nullable=False),
    Column("role", String(40), nullable=False),
    Column("order_no", Integer, nullable=False, comment="CORDIS 'order' of the participant in the project"),
    Column("name", Text),
    Column("short_name", Text),
    Column("vat_number", String(60)),
    Column("country", String(20)),
    Column("city", Text),
    Column("post_code", String(40)),
    Column("street", Text),
    Column("nuts_code", String(10)),
    Column("activity_type", String(10)),
    Column("sme", Boolean),
    Money("ec_contribution_eur", "EU contribution to this participant"),
    Money("net_ec_contribution_eur", "Net EU contribution"),
    Money("total_cost_eur", "Participant's total cost"),
    Column("end_of_participation", Boolean),
    Column("region", String(20), comment="flanders | brussels | wallonia for Belgian organisations"),
    Column("source_file", Text),
    Column("record_hash", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    PrimaryKeyConstraint("source", "project_source_id", "organisation_id", "role", "order_no"),
    comment="CORDIS participations (organisation rows), typed and renamed",
)

stg_cordis__json_projects = Table(
    "stg_cordis__json_projects",
    metadata,
    Column(
        "dump",
        String(200),
        nullable=False,
        comment="File name of the dump, e.g. cordis-h2020projects-json.zip",
    ),
    Column("project_source_id", String(40), nullable=False, comment="The project staged from it"),
    Column(
        "digest",
        BigInteger,
        nullable=False,
        comment="Sum modulo 2**64 of the 64-bit BLAKE2b digests of the project's elements (its project and "
        "participation elements, each from its { to its }), as a signed integer",
    ),
    Column("participations", Integer, nullable=False, comment="Participation elements it staged"),
    Column("run_id", String(64), nullable=False, comment="The run that last decoded them"),
    PrimaryKeyConstraint("dump", "project_source_id"),
    comment="The projects of the JSON dumps staged exactly as the dump's elements give them (written with the "
    "staging, in one transaction): a later run does not decode the elements of a project whose digest is "
    "still this one",
)

stg_cordis__dump_members = Table(
    "stg_cordis__dump_members",
    metadata,
    Column(
        "dump",
        String(200),
        nullable=False,
        comment="File name of the dump, e.g. cordis-HORIZONprojects-xml.zip",
    ),
    Column("member", String(500), nullable=False, comment="Zip member: one project document of an XML dump"),
    Column(
        "crc32", BigInteger, nullable=False, comment="CRC-32 of the member, from the zip's central directory"
    ),
    Column("size_bytes", BigInteger, nullable=False, comment="Uncompressed size of the member"),
    Column("project_source_id", String(40), nullable=False, index=True, comment="The project it staged"),
    Column("participations", Integer, nullable=False, comment="Participations it staged"),
    Column("run_id", String(64), nullable=False, comment="The run that last read it"),
    PrimaryKeyConstraint("dump", "member"),
    comment="The XML dump members whose project is staged exactly as they hold it (written with the staging, in "
    "one transaction): a later run does not open a member whose CRC-32 and size are still these",
)

stg_vlaio__pages = Table(
    "stg_vlaio__pages",
    metadata,
    Column("source", String(20), nullable=False),
    Column("url", String(500), primary_key=True),
    Column("canonical_url", Text),
    Column("language", String(10)),
    Column("title", Text),
    Column("published", String(40)),
    Column("headings", Text),
    Column("n_links", Integer),
    Column("text_sha256", String(64), nullable=False),
    Column("text", Text),
    Column("source_file", Text),
    Column("fetched_at", String(40)),
    Column("run_id", String(64), nullable=False),
    comment="VLAIO pages, one row per URL",
)


stg_vlaio__projects = Table(
    "stg_vlaio__projects",
    metadata,
    Column("source", String(20), nullable=False),
    Column("source_id", String(300), primary_key=True, comment="Site key + URL path, or 'reference:<id>'"),
    Column("acronym", Text),
    Column("title", Text),
    Column("programme", String(40)),
    Column("funding_scheme", String(100)),
    Column("status", String(40)),
    Column("start_date", Date),
    Column("end_date", Date),
    Money("total_cost_eur", "Budget the page states"),
    Money("subsidy_eur", "VLAIO subsidy the page states"),
    Column("themes", Text),
    Column("sectors", Text),
    Column("focus", Text),
    Column("source_url", Text),
    Column("language", String(10)),
    Column("batch", String(10), comment="Call batch (1: 2017 call, 2: 2018 call)"),
    Column("proeftuin_label", Text),
    Column("executors", Text, comment="Executing organisations, '; '-separated"),
    Column("partners", Text, comment="Partners, '; '-separated"),
    Column("period_text", Text),
    Column("canonical_url", Text),
    Column("page_sha256", String(64)),
    Column("field_hashes", Text),
    Column("source_file", Text),
    Column("fetched_at", String(40)),
    Column("record_hash", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    comment="VLAIO proeftuinen: one row per proeftuin page, plus reference proeftuinen no page was found for",
)

stg_vlaio__organisations = Table(
    "stg_vlaio__organisations",
    metadata,
    Column("source", String(20), nullable=False),
    Column("project_source_id", String(300), nullable=False),
    Column("order_no", Integer, nullable=False, comment="Order in which the page names it (executors first)"),
    Column("name", Text, nullable=False, comment="Name as the page (or the reference) gives it"),
    Column("role", String(20), nullable=False, comment="uitvoerder | partner"),
    Column("source_url", Text),
    Column("run_id", String(64), nullable=False),
    PrimaryKeyConstraint("project_source_id", "order_no"),
    comment="Organisations of the VLAIO proeftuinen, as the sources name them",
)


def _history_columns() -> list[Column]:
    """Slowly-changing-dimension type 2: a row is one version of an entity, valid in [valid_from, valid_to)."""
    return [
        Column(
            "valid_from", DateTime(timezone=True), nullable=False, comment="When this version became current"
        ),
        Column(
            "valid_to",
            DateTime(timezone=True),
            comment="When it was replaced or removed (NULL: still current)",
        ),
        Column("is_current", Boolean, nullable=False, comment="True for the current version"),
        Column("run_id", String(64), nullable=False, comment="Run that wrote this version"),
    ]


core_projects = Table(
    "core_projects",
    metadata,
    Column("project_key", String(300), nullable=False, comment="'<source>:<source_id>'"),
    Column("source", String(20), nullable=False),
    Column("source_id", String(300), nullable=False),
    Column("acronym", Text),
    Column("title", Text),
    Column("programme", String(40)),
    Column("funding_scheme", String(100)),
    Column("status", String(20)),
    Column("start_date", Date),
    Column("end_date", Date),
    Money("total_cost_eur", "Total cost of the project"),
    Money("eu_contribution_eur", "Maximum EU contribution"),
    Money("vlaio_subsidy_eur", "VLAIO subsidy, when the source states it per project"),
    Column("themes", Text, comment="Industry 4.0 themes, '; '-separated"),
    Column("sectors", Text, comment="Sectors, '; '-separated (VLAIO)"),
    Column("n_results", Integer, comment="Results (deliverables, publications) CORDIS lists"),
    Column("is_industry40", Boolean, nullable=False),
    Column("industry40_reasons", Text),
    Column("source_url", Text),
    Column("last_run_id", String(64), comment="Run that last staged the source record"),
    Column("record_hash", String(64), nullable=False),
    Column("batch", String(10), comment="VLAIO call batch (1: the 2017 call, 2: the 2018 call)"),
    Column("focus", Text, comment="What a proeftuin does, as its page (or the reference) states it"),
    *_history_columns(),
    PrimaryKeyConstraint("project_key", "valid_from"),
    comment="Projects of every source, with history (SCD2)",
)

core_organisations = Table(
    "core_organisations",
    metadata,
    Column("organisation_key", String(200), nullable=False, comment="Resolved organisation"),
    Column("name", Text),
    Column("short_name", Text),
    Column("vat_number", String(60)),
    Column("country", String(20)),
    Column("city", Text),
    Column("post_code", String(40)),
    Column("nuts_code", String(10)),
    Column("region", String(20)),
    Column("activity_type", String(10)),
    Column("aliases", Text, comment="Every name the sources use for it, '; '-separated"),
    Column("record_hash", String(64), nullable=False),
    *_history_columns(),
    PrimaryKeyConstraint("organisation_key", "valid_from"),
    comment="Resolved organisations, with history (SCD2)",
)

core_participations = Table(
    "core_participations",
    metadata,
    Column("project_key", String(300), nullable=False),
    Column(
        "source_organisation_ref",
        String(250),
        nullable=False,
        comment="The organisation as the source names it",
    ),
    Column("role", String(40), nullable=False),
    Column("order_no", Integer, nullable=False),
    Column("organisation_key", String(200), nullable=False),
    Column("organisation_name", Text),
    Column("country", String(20)),
    Column("region", String(20)),
    Money("ec_contribution_eur", "EU contribution to this participant"),
    Money("net_ec_contribution_eur", "Net EU contribution"),
    Money("total_cost_eur", "Participant's total cost"),
    Column("record_hash", String(64), nullable=False),
    *_history_columns(),
    PrimaryKeyConstraint("project_key", "source_organisation_ref", "role", "order_no", "valid_from"),
    comment="Participations of organisations in projects, with history (SCD2)",
)

core_project_themes = Table(
    "core_project_themes",
    metadata,
    Column("project_key", String(300), nullable=False),
    Column("theme", String(80), nullable=False),
    Column("field", String(40), nullable=False, comment="Field where the term was found"),
    Column("term", String(200), nullable=False, comment="Taxonomy term that matched"),
    PrimaryKeyConstraint("project_key", "theme"),
    comment="Industry 4.0 themes of the current projects and why",
)

core_yearly_funding = Table(
    "core_yearly_funding",
    metadata,
    Column("project_key", String(300), nullable=False),
    Column("year", Integer, nullable=False),
    Money("eu_contribution_eur", "EU contribution in the year (pro rata by days)"),
    Money("flemish_contribution_eur", "EU contribution to Flemish participants in the year"),
    Money("vlaio_subsidy_eur", "VLAIO subsidy in the year"),
    PrimaryKeyConstraint("project_key", "year"),
    comment="Funding of the current projects per calendar year, cents conserved",
)

org_resolution = Table(
    "org_resolution",
    metadata,
    Column("source", String(20), nullable=False),
    Column("source_ref", String(250), nullable=False),
    Column("source_name", Text),
    Column("organisation_key", String(200), nullable=False),
    Column("rule", String(20), nullable=False, comment="cordis_id | vat | alias | name | new"),
    Column("matched_on", Text, comment="The id, VAT number or normalised name the rule matched"),
    PrimaryKeyConstraint("source", "source_ref"),
    comment="Every organisation merge decision with its rule",
)

org_near_matches = Table(
    "org_near_matches",
    metadata,
    Column("organisation_key_a", String(200), nullable=False),
    Column("name_a", Text),
    Column("organisation_key_b", String(200), nullable=False),
    Column("name_b", Text),
    Column("similarity", Numeric(4, 3)),
    PrimaryKeyConstraint("organisation_key_a", "organisation_key_b"),
    comment="Close but unmerged organisation names, for a person to decide",
)

org_resolution_inputs = Table(
    "org_resolution_inputs",
    metadata,
    Column(
        "source", String(20), nullable=False, comment="cordis, or the source of an organisation known by name"
    ),
    Column("source_ref", String(250), nullable=False, comment="The CORDIS organisationID, or project/name"),
    Column("input_order", Integer, nullable=False, comment="Its place in the resolution's input, from 0"),
    Column("project_source_id", String(40), comment="CORDIS: the project of its first staged participation"),
    Column("role", String(40), comment="CORDIS: the role of that participation"),
    Column("order_no", Integer, comment="CORDIS: the order of that participation"),
    Column("name", Text),
    Column("vat_number", String(60)),
    Column("country", String(20)),
    PrimaryKeyConstraint("source", "source_ref"),
    comment="What the published resolution of organisations read (written in the publish's transaction): each "
    "CORDIS organisation's first staged participation in natural key order, then the organisations known by "
    "name. A night whose organisations' first participations are all these keeps the published resolution",
)

publish_state = Table(
    "publish_state",
    metadata,
    Column("name", String(40), primary_key=True, comment="What was published: 'inventory'"),
    Column(
        "build_fingerprint",
        String(64),
        nullable=False,
        comment="SHA-256 of the code and taxonomies that built the published core and marts "
        "(transforms.build_version)",
    ),
    Column("run_id", String(64), nullable=False, comment="The run that published"),
    Column("published_at", DateTime(timezone=True), nullable=False),
    comment="What built the published inventory (written in the publish's transaction): a publish rewrites "
    "only the per-project rows of the projects that changed when the stored rows come from the same code",
)

HISTORY_KEYS: dict[str, tuple[str, ...]] = {
    "core_projects": ("project_key",),
    "core_organisations": ("organisation_key",),
    "core_participations": ("project_key", "source_organisation_ref", "role", "order_no"),
}
mart_inventory = Table(
    "mart_inventory",
    metadata,
    Column("project_key", String(300), primary_key=True, comment="'<source>:<source_id>'"),
    Column("source", String(20), nullable=False, comment="cordis | vlaio"),
    Column("source_id", String(300), nullable=False, comment="The project's id at its source"),
    Column("acronym", Text, comment="Project acronym"),
    Column("title", Text, comment="Project title"),
    Column("programme", String(40), comment="HORIZON, H2020, FP7 or the VLAIO measure"),
    Column("funding_scheme", String(100), comment="CORDIS funding scheme or VLAIO instrument"),
    Column("status", String(20), comment="SIGNED, CLOSED, ONG, TERMINATED (CORDIS)"),
    Column("start_date", Date, comment="Start of the project"),
    Column("end_date", Date, comment="End of the project"),
    Money("total_cost_eur", "Total cost of the project"),
    Money("eu_contribution_eur", "Maximum EU contribution to the project"),
    Money("flemish_contribution_eur", "EU contribution to the project's Flemish participants"),
    Money("vlaio_subsidy_eur", "VLAIO subsidy of the project, when the source states it per project"),
    Column("flemish_organisations", Integer, nullable=False, comment="Distinct Flemish participants"),
    Column(
        "is_flemish", Boolean, nullable=False, comment="A VLAIO project or one with a Flemish participant"
    ),
    Column(
        "is_industry40",
        Boolean,
        nullable=False,
        comment="Matched the Industry 4.0 taxonomy (or is a proeftuin)",
    ),
    Column("industry40_reasons", Text, comment="Which taxonomy rule matched which term in which field"),
    Column("themes", Text, comment="Industry 4.0 themes, '; '-separated"),
    Column("sectors", Text, comment="Sectors, '; '-separated (VLAIO)"),
    Column("source_url", Text, comment="The project's page at its source"),
    Column("batch", String(10), comment="VLAIO call batch (1: the 2017 call, 2: the 2018 call)"),
    Column("focus", Text, comment="What a proeftuin does, as its page (or the reference) states it"),
    Column("last_run_id", String(64), nullable=False, comment="Run that last wrote the project's source row"),
    comment="One row per project: the inventory",
)

mart_funding_by_year = Table(
    "mart_funding_by_year",
    metadata,
    Column("project_key", String(300), nullable=False, comment="Project (or VLAIO batch, 'vlaio:batch-N')"),
    Column("year", Integer, nullable=False, comment="Calendar year"),
    Column("source", String(20), nullable=False, comment="cordis | vlaio"),
    Money("eu_contribution_eur", "EU contribution in the year, pro rata by days"),
    Money("flemish_contribution_eur", "EU contribution to Flemish participants in the year"),
    Money("vlaio_subsidy_eur", "VLAIO subsidy in the year (as the source splits it, else pro rata)"),
    Column("theme", String(80), comment="The project's first Industry 4.0 theme"),
    PrimaryKeyConstraint("project_key", "year"),
    comment="Funding per project and calendar year; yearly amounts sum to the totals to the cent",
)

mart_organisations = Table(
    "mart_organisations",
    metadata,
    Column("organisation_key", String(200), primary_key=True, comment="Resolved organisation"),
    Column("name", Text, comment="Legal name (CORDIS) or the name the source uses"),
    Column("aliases", Text, comment="Every name the sources use, '; '-separated"),
    Column("country", String(20), comment="Country code"),
    Column("region", String(20), comment="flanders | brussels | wallonia for Belgian organisations"),
    Column("n_projects", Integer, nullable=False, comment="Projects it takes part in"),
    Column(
        "n_industry40_projects", Integer, nullable=False, comment="Industry 4.0 projects it takes part in"
    ),
    Money("total_ec_contribution_eur", "EU contribution it received over all its participations"),
    comment="One row per resolved organisation",
)

mart_participations = Table(
    "mart_participations",
    metadata,
    Column("project_key", String(300), nullable=False, comment="Project"),
    Column(
        "source_organisation_ref",
        String(250),
        nullable=False,
        comment="The organisation as the source names it",
    ),
    Column(
        "role", String(40), nullable=False, comment="coordinator, participant, thirdParty, uitvoerder, ..."
    ),
    Column("order_no", Integer, nullable=False, comment="Order of the participant in the project"),
    Column("organisation_key", String(200), nullable=False, comment="Resolved organisation"),
    Column("organisation_name", Text, comment="Name as the source gives it"),
    Column("country", String(20), comment="Country code"),
    Column("region", String(20), comment="flanders | brussels | wallonia for Belgian organisations"),
    Money("ec_contribution_eur", "EU contribution to this participant"),
    Column("source", String(20), nullable=False, comment="cordis | vlaio"),
    PrimaryKeyConstraint("project_key", "source_organisation_ref", "role", "order_no"),
    comment="One row per participation of an organisation in a project",
)

mart_theme_gaps = Table(
    "mart_theme_gaps",
    metadata,
    Column("theme", String(80), nullable=False, comment="Industry 4.0 theme of the taxonomy"),
    Column("year", Integer, nullable=False, comment="Calendar year"),
    Column("sector", String(80), nullable=False, comment="Sector ('unspecified' when the source gives none)"),
    Column(
        "n_projects", Integer, nullable=False, comment="Flemish Industry 4.0 projects running (0 = a gap)"
    ),
    Money("eu_contribution_eur", "EU contribution in the year (themes overlap: do not sum over themes)"),
    Money("flemish_contribution_eur", "EU contribution to Flemish participants in the year"),
    Money("vlaio_subsidy_eur", "VLAIO subsidy in the year"),
    PrimaryKeyConstraint("theme", "year", "sector"),
    comment="Themes x years x sectors with counts and amounts, zeros included so gaps are visible",
)

mart_nl_cooperation = Table(
    "mart_nl_cooperation",
    metadata,
    Column("project_key", String(300), primary_key=True, comment="Project"),
    Column("acronym", Text, comment="Project acronym"),
    Column("title", Text, comment="Project title"),
    Column("start_date", Date, comment="Start of the project"),
    Column("end_date", Date, comment="End of the project"),
    Column("start_year", Integer, comment="Year the project started"),
    Column("is_industry40", Boolean, nullable=False, comment="Matched the Industry 4.0 taxonomy"),
    Column("n_flemish_organisations", Integer, nullable=False, comment="Distinct Flemish participants"),
    Column("n_dutch_organisations", Integer, nullable=False, comment="Distinct Dutch participants"),
    Money("flemish_contribution_eur", "EU contribution to the Flemish participants"),
    Money("dutch_contribution_eur", "EU contribution to the Dutch participants"),
    Column("dutch_organisations", Text, comment="Dutch participants, '; '-separated"),
    comment="Projects with both Flemish and Dutch partners",
)

MARTS = (
    mart_inventory,
    mart_funding_by_year,
    mart_organisations,
    mart_participations,
    mart_theme_gaps,
    mart_nl_cooperation,
)

# Indexes for the analyst questions (warehouse/analyst_queries.py) and the usual BI filters, chosen and
# measured with benchmarks/mart_queries.py at 60,000 projects (migration 0005). The booleans lead the
# inventory index because the questions select Flemish Industry 4.0 projects first (~2 % of the rows).
Index(
    "ix_mart_inventory_is_flemish_is_industry40_source",
    mart_inventory.c.is_flemish,
    mart_inventory.c.is_industry40,
    mart_inventory.c.source,
)
# the first page of a BI table sorted by EU contribution, whatever the filter, is read from this index
Index("ix_mart_inventory_eu_contribution_eur", mart_inventory.c.eu_contribution_eur)
Index("ix_mart_funding_by_year_source", mart_funding_by_year.c.source)
# covering indexes: a project's years, the yearly series and one year's totals are read from the index alone
Index(
    "ix_mart_funding_by_year_project_key_amounts",
    mart_funding_by_year.c.project_key,
    mart_funding_by_year.c.year,
    mart_funding_by_year.c.eu_contribution_eur,
    mart_funding_by_year.c.flemish_contribution_eur,
)
Index(
    "ix_mart_funding_by_year_year_amounts",
    mart_funding_by_year.c.year,
    mart_funding_by_year.c.source,
    mart_funding_by_year.c.eu_contribution_eur,
    mart_funding_by_year.c.flemish_contribution_eur,
)
Index("ix_mart_participations_organisation_key", mart_participations.c.organisation_key)
Index(
    "ix_mart_participations_country_project_key",
    mart_participations.c.country,
    mart_participations.c.project_key,
)
