"""Admin registrations; saves call services."""
