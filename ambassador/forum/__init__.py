"""The forum: categories, threads, posts, ideas, moderation, search, digest."""
