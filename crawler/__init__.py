"""govcrawl: crawl Chinese government portals for their information-disclosure annual reports."""

__version__ = "0.1.0"
