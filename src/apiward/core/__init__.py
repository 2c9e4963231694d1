"""Shared vocabulary every part of apiward imports; it imports nothing of apiward."""
