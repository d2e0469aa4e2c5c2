struct point { int x; long y; char tag[3]; };
#define NPOINTS 5
