"""Language features shared by the stages: sentences, subjectivity, later embeddings."""
