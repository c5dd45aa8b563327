"""Articles in: built from feed entries, pages and files, grouped with their copies and
filed under their outlet."""
