"""The promoter's portal: home page, and the entry point that sends each role home."""
