"""Small adapters over AWS. Each takes an optional boto3 client (the test seam) and
creates the real one lazily, on first use, never at import time."""
