"""Tests of the sample-data generator (a package so its module names stay unique in the suite)."""
