#pragma once
// The whole op library: every family's header (through the registry, which reads their lists of
// ops) and the views (reshape, slices).
#include "engine/views.h"
#include "kernels/ops/registry.h"
