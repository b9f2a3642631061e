"""Reports of a capture's transactions (HTML, Markdown, JSON) and the `diff` of two transactions.

A sink beside the CLI: `summary.build_report` reads the model into a `Report`, which
`html.render_html`, `markdown.render_markdown` and `json_report.render_json` turn into text;
`command` holds the `report` and `diff` commands.
"""
