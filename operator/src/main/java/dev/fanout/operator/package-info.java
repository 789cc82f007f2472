package dev.fanout.operator;
