# Documentation
