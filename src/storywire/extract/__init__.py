"""From a fetched page to clean text and metadata: trafilatura, URLs, language, opinion."""
