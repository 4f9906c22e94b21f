"""The JSON APIs for other programs and their OpenAPI document."""
