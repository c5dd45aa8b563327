"""Writing stories: headline, highlights, the cited story text, opinions and their layout."""
