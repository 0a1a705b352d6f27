#ifndef NN_VERSION_H
#define NN_VERSION_H
#define NN_VERSION "0.1.0"
#endif
