"""The course's sentiment classifier: its data loaders, trained in Part 2 and served in Part 3."""
