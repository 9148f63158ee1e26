"""Extractors: the only room that speaks HTTP. Each source package fetches into the raw landing zone and
reads what it landed into plain records (strings as published; typing happens in ``transforms``)."""
