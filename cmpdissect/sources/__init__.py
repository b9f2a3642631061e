"""Sources: turn capture files, live interfaces and message files into raw packet records."""
