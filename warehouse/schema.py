"""Table definitions of every layer, as SQLAlchemy Core. Alembic migrations create and change them; the
test suite checks that the migrated database matches these definitions exactly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
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
    Decimal rounded to 2 places)."""
    return Column(name, Numeric(18, 2, asdecimal=True), nullable=True, comment=comment)


etl_run = Table(
    "etl_run",
    metadata,
    Column("run_id", String(64), primary_key=True, comment="Prefect flow-run id"),
    Column("flow_name", String(100), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(20), nullable=False, comment="running | succeeded | failed | blocked"),
    Column("rows_read", Integer),
    Column("rows_written", Integer),
    Column("dq_passed", Boolean),
    Column("error", Text),
    Column("sources", String(200)),
    Column("programmes", String(200)),
    comment="Run ledger: one row per refresh",
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

mart_inventory = Table(
    "mart_inventory",
    metadata,
    Column("project_key", String(80), primary_key=True, comment="'<source>:<source_id>'"),
    Column("source", String(20), nullable=False, comment="cordis | vlaio"),
    Column("source_id", String(40), nullable=False, comment="The project's id at its source"),
    Column("acronym", Text),
    Column("title", Text),
    Column("programme", String(20), comment="HORIZON, H2020, FP7 or the VLAIO measure"),
    Column("funding_scheme", String(100)),
    Column("start_date", Date),
    Column("end_date", Date),
    Money("total_cost_eur", "Total cost of the project"),
    Money("eu_contribution_eur", "Maximum EU contribution to the project"),
    Money("flemish_contribution_eur", "EU contribution to the project's Flemish participants"),
    Column("flemish_organisations", Integer, nullable=False, comment="Distinct Flemish participants"),
    Column("is_industry40", Boolean, nullable=False),
    Column("industry40_reasons", Text, comment="Which taxonomy rule matched which term in which field"),
    Column("source_url", Text),
    Column("last_run_id", String(64), nullable=False, comment="Run that last wrote the project's source row"),
    comment="One row per project: the inventory",
)

MARTS = (mart_inventory,)
