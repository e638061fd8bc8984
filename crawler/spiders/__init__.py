"""ipwatch spiders."""
