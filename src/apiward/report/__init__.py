"""Findings to terminal, JSON, SARIF 2.1.0, JUnit XML and HTML: pure writers, I/O at the edge."""
