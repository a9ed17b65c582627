# Project settings shared by everyone (committed).  Machine-specific overrides go in conf/env.mk.
LAB := 6
PROJECT := exo386
