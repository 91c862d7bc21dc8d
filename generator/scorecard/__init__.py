"""The seed's recommendations as a scorecard: which are met by what lzgen emits, and how it
is reported (text, Markdown, JSON)."""
