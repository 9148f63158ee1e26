"""The inventory for people: a static, self-contained HTML report built from the marts (``render``), the
marts as CSV, Parquet or Excel files with the data dictionary (``exports``), and the two CLI commands that
make them (``cli``). Reads only through ``warehouse``; writes only into the folder it is given."""
