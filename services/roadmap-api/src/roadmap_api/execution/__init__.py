"""Plan execution of roadmaps: the contract figure, deviations and due states."""
