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
# Bounds on what a site sends (crawler/errors.py names each cut): a page's bytes, decompressed ones included
# (attachments have their own bound, GOVCRAWL_ATTACHMENT_MAX_BYTES), and redirect hops.
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
REDIRECT_MAX_TIMES = 5  # RFC 9309 asks a crawler to follow at least five for robots.txt
GOVCRAWL_ROBOTS_RETRY = 300.0  # seconds a host whose robots.txt answered 5xx (or nothing) stays disallowed; then
# the requests it refused (its home page) are sent once more, and robots.txt asked again
GOVCRAWL_BACKOFF = 2.0  # seconds before retrying a 429/503 that gives no Retry-After, doubled each retry
GOVCRAWL_MAX_RETRY_AFTER = 300.0  # a longer Retry-After fails the URL (and holds the host this long)
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
# Private and local targets (loopback, private networks, localhost, *.local, non-http(s) schemes) are refused
# (crawler/targets.py), names that resolve to such an address too when no proxy is used; True crawls them.
GOVCRAWL_ALLOW_PRIVATE = False
TWISTED_DNS_RESOLVER = "crawler.targets.PrivateAddressResolver"
GOVCRAWL_DB = "data/govcrawl.db"
GOVCRAWL_FILES = None  # attachment files; None: files/ next to GOVCRAWL_DB
GOVCRAWL_ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
MEDIA_ALLOW_REDIRECTS = True  # attachment links often redirect to the file

# The raw capture (crawler/warc.py): WARC 1.1 files of every answer, in GOVCRAWL_WARC_DIR (None: warc/ next to
# GOVCRAWL_DB), a new file past GOVCRAWL_WARC_MAX_BYTES.
GOVCRAWL_WARC = True
GOVCRAWL_WARC_DIR = None
GOVCRAWL_WARC_MAX_BYTES = 1024 ** 3
GOVCRAWL_REPLAY = False  # set by `govcrawl crawl --replay`: every answer comes from a capture

GOVCRAWL_MAX_CRAWL_DELAY = 30.0  # seconds; a robots.txt asking for more gets this

DOWNLOADER_MIDDLEWARES = {
    "crawler.targets.PrivateTargetMiddleware": 40,  # before the offsite filter (50) and robots.txt (100)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.PoliteRobotsTxtMiddleware": 100,
    "crawler.middlewares.RetryAfterMiddleware": 560,  # sees a 429/503 before RetryMiddleware (550) retries it
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.LoopAwareMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.BoundedCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopAwareRedirectMiddleware": 600,
    "crawler.middlewares.ExplicitProxyMiddleware": 740,
    # Next to the downloader: every answer as received (redirects, errors, compressed bodies) into the WARCs.
    "crawler.warc.WarcCapture": 950,
    # A crawl replayed from captures (GOVCRAWL_REPLAY): an answer the capture lacks is dropped before anything
    # reads it as the site's (crawler/capture_replay.py).
    "crawler.capture_replay.ReplayMissMiddleware": 960,
}

# The stages a report page goes through. The pure ones (plain classes: process_item(item) -> item) run in
# worker processes (crawler/workers.py), before and after the attachments' downloads, which need the crawl; the
# store writes the database. Reading one saved page (`govcrawl extract`, crawler/reading.py) runs the pure ones.
GOVCRAWL_PAGE_STAGES = ["pipelines.decode.DecodePipeline", "pipelines.extract.ExtractPipeline"]
GOVCRAWL_REPORT_STAGES = [
    "pipelines.file_text.FileTextPipeline",
    "pipelines.clean.CleanPipeline",
    "pipelines.repair.RepairPipeline",
    "pipelines.tables.TablesPipeline",
    "pipelines.metadata.MetadataPipeline",
    "pipelines.script.ScriptPipeline",
    "pipelines.flags.FlagPipeline",
]
ITEM_PIPELINES = {
    "crawler.workers.PageStages": 100,
    "pipelines.attachments.AttachmentsPipeline": 150,
    "crawler.workers.ReportStages": 200,
    "pipelines.store.StorePipeline": 900,
}
GOVCRAWL_PIPELINE_PROCESSES = None  # worker processes for the stages; None: one per core; 0: in the crawl itself
GOVCRAWL_STAGE_BUDGET = 60.0  # seconds a stage may spend on one page before the page is given up

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
