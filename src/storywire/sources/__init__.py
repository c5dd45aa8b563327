"""Where articles come from: feeds, OPML, single URLs, JSONL and WARC files; polite fetching."""
