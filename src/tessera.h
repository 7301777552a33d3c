// The one header for users of tessera's eager API.
#pragma once

#include "api/functions.h"
#include "core/factories.h"
#include "core/generator.h"
#include "core/parallel.h"
#include "core/tensor.h"
#include "dispatch/dispatcher.h"
#include "dispatch/profiler.h"
