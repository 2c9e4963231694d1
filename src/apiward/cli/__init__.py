"""The command line: thin, every verb a call into the packages below it."""
