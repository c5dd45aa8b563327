"""Story detection: online assignment of articles to stories, merging, importance."""
