"""Scrapy settings for govcrawl; the CLI overrides a few of them per run."""

from crawler.browser import environment_proxy, launch_options

BOT_NAME = "govcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"

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
# The delay counted from the end of a host's last answer, browser requests included (crawler/politeness.py).
DOWNLOADER = "crawler.politeness.PoliteDownloader"
# Requests are taken from the hosts with the least in flight, so one slow or delayed host never fills the
# downloader while the others wait (Scrapy's priority queue for broad crawls).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
RETRY_TIMES = 2
# A backstop only: the spiders bound navigation hops themselves, so that walking a long
# paginated list does not count against the depth of the site.
DEPTH_LIMIT = 60
DEPTH_PRIORITY = 0

# Per-site bounds (crawler/bounds.py: trap guards).
GOVCRAWL_MAX_HOPS = 3  # home → 政务公开 → 信息公开目录 → annual-report column
GOVCRAWL_SITE_PAGE_BUDGET = 400
GOVCRAWL_MAX_LIST_PAGES = 60
GOVCRAWL_MAX_PATH_DEPTH = 12  # path segments; deeper URLs are a relative-link trap
GOVCRAWL_MAX_QUERY_VARIANTS = 40  # distinct query strings on one path (sort orders, filters, calendars)
# Explicit proxy for every fetch (the CLI's --proxy); http_proxy/https_proxy are honoured without it.
GOVCRAWL_PROXY = None
GOVCRAWL_DB = "data/govcrawl.db"
GOVCRAWL_FILES = None  # attachment files; None: files/ next to GOVCRAWL_DB
GOVCRAWL_ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
MEDIA_ALLOW_REDIRECTS = True  # attachment links often redirect to the file

GOVCRAWL_MAX_CRAWL_DELAY = 30.0  # seconds; a robots.txt asking for more gets this

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.PoliteRobotsTxtMiddleware": 100,
    "crawler.middlewares.ExplicitProxyMiddleware": 740,
}

ITEM_PIPELINES = {
    "pipelines.decode.DecodePipeline": 50,
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.attachments.AttachmentsPipeline": 150,
    "pipelines.clean.CleanPipeline": 200,
    "pipelines.repair.RepairPipeline": 250,
    "pipelines.tables.TablesPipeline": 275,
    "pipelines.metadata.MetadataPipeline": 300,
    "pipelines.script.ScriptPipeline": 350,
    "pipelines.flags.FlagPipeline": 400,
    "pipelines.store.StorePipeline": 900,
}
# The stages that need a running crawl (downloads, the database): reading one saved page (crawler/reading.py,
# `govcrawl extract`) runs every other stage of ITEM_PIPELINES, in its order.
GOVCRAWL_CRAWL_ONLY_PIPELINES = ["pipelines.attachments.AttachmentsPipeline", "pipelines.store.StorePipeline"]

# Lists built by JavaScript are rendered by headless Chromium, only for requests with meta "playwright".
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_BROWSER_PROVIDER = "crawler.browser.SessionBrowserProvider"
PLAYWRIGHT_LAUNCH_OPTIONS = launch_options(environment_proxy())
# Memory grows with open pages and contexts (scrapy-plugins/scrapy-playwright#240): keep both few.
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
