"""Trained models shipped as package data (see training/)."""
