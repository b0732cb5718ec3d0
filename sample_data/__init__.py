"""The built-in scenario: a food-delivery app choosing which restaurant-recommendation model to ship."""
