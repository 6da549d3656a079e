"""Input and output serializers for the API."""
