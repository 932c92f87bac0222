"""The internal contour: the register of mentors and mentees, pairs and groups."""
