"""Item pipelines: each does one transformation over a pure function that is testable without a crawl."""
