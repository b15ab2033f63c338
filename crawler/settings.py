"""Scrapy settings for govcrawl; the CLI overrides a few of them per run."""

BOT_NAME = "govcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = "govcrawl/0.1 (+https://github.com/govcrawl/govcrawl; archival crawler of public disclosure reports)"

# Politeness, on by default: a scheduled crawl of many county sites must never hammer one of them.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around the delay, so requests to one host don't tick like a clock
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# A backstop only: the spiders bound navigation hops themselves, so that walking a long
# paginated list does not count against the depth of the site.
DEPTH_LIMIT = 60
DEPTH_PRIORITY = 0

# Per-site bounds enforced by spiders/base.py (trap guards).
GOVCRAWL_MAX_HOPS = 3  # home → 政务公开 → 信息公开目录 → annual-report column
GOVCRAWL_SITE_PAGE_BUDGET = 400
GOVCRAWL_MAX_LIST_PAGES = 60
# Explicit proxy for every fetch (the CLI's --proxy); http_proxy/https_proxy are honoured without it.
GOVCRAWL_PROXY = None
GOVCRAWL_DB = "data/govcrawl.db"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.ExplicitProxyMiddleware": 740,
}

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.clean.CleanPipeline": 200,
    "pipelines.metadata.MetadataPipeline": 300,
    "pipelines.flags.FlagPipeline": 400,
    "pipelines.store.StorePipeline": 900,
}

EXTENSIONS = {
    "crawler.progress.Progress": 500,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
