"""URL shapes the walk and the stages agree on: what is a page, what is a document file, what is an attachment."""

from __future__ import annotations

import re

SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
# A report published only as a file (a column entry that is the PDF, Word or RTF file itself).
DOCUMENT_EXT = re.compile(r"\.(pdf|docx?|rtf)$", re.I)
# Paths that are no HTML page to walk into.
NON_PAGE_EXT = re.compile(r"\.(jpe?g|png|gif|bmp|css|js|ico|svg|swf|mp4|flv|zip|rar|exe|pdf|docx?|xlsx?|rtf)$", re.I)
# Files a report page may attach (matched on a link's href, query and fragment allowed).
ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|rtf|wps|et|zip|rar|7z|ofd|pptx?|txt|csv)(\?|#|$)", re.I)
