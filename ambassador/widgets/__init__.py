"""Embeddable testimonial widgets: the builder, the public JSON, widget.js, embed and snippet."""
