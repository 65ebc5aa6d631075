"""The dense side of the search: sentence vectors of the question and of each matter's texts."""
