"""Scrapy commands of the govcrawl project (the COMMANDS_MODULE setting): ``scrapy crawl`` checks a govcrawl
spider's seed list before any crawler starts."""
