"""Flows: Prefect DAGs that wire extractors, transforms, the quality gate and the warehouse together.
Nothing here parses a file or writes SQL."""
