"""The reader: server-rendered pages, the JSON API and feeds, over the store."""
