"""Bond databases: the per-composition PBSSDB, its store and legacy text files, mixed databases."""
