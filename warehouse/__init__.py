"""Warehouse: the only room with SQL. Schema (``schema.py``, changed only through Alembic migrations),
engines, and the reads and writes of each layer: raw manifest, staging, marts, ledger."""
