"""Which story an article joins: online assignment, the merge, split and thread passes,
and the stream replay."""
